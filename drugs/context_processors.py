from drugs.gate import current_disclaimer


def disclaimer(request):
    """The disclaimer every page's footer shows."""
    return {"site_disclaimer": current_disclaimer(request)}


def page_address(request):
    """The page's full address, which a printed page shows (so a reader on paper can find it again).

    Stored pages (drugs/pagecache.py) are keyed by path, not host: a site that answers to two host names
    prints the first one that asked, which is the same page.
    """
    return {"page_address": request.build_absolute_uri()}
