from drugs.gate import current_disclaimer


def disclaimer(request):
    """The disclaimer every page's footer shows."""
    return {"site_disclaimer": current_disclaimer(request)}
