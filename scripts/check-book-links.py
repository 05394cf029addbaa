#!/usr/bin/env python3
"""Checks the internal links of the built book: every relative link resolves to a file of
the build, and every `#anchor` to an element id in its target page.

mdBook fails on a missing chapter file but not on a broken link inside a chapter's text,
so this runs over the HTML it built (where the heading ids are the ones mdBook generated).

Usage: check-book-links.py BUILD_DIR. Exit codes: 0 every link resolves, 1 broken links
(each printed as `page: href: reason`), 2 usage or IO error.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Pages mdBook writes besides the chapters: `print.html` repeats every chapter with its links
# rewritten, `toc.html` is the sidebar's fallback, `404.html` uses the site's absolute URL.
SKIPPED = {"print.html", "toc.html", "404.html"}


class Page(HTMLParser):
    """The links and element ids of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if tag == "a" and name == "href" and value is not None:
                self.links.append(value)


def parse(path, cache):
    if path not in cache:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        cache[path] = page
    return cache[path]


def main(argv):
    if len(argv) != 2:
        print("usage: check-book-links.py BUILD_DIR", file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    if not (root / "index.html").is_file():
        print(f"{root}: not a built book (no index.html)", file=sys.stderr)
        return 2
    cache = {}
    broken = []
    pages = sorted(p for p in root.rglob("*.html") if p.relative_to(root).as_posix() not in SKIPPED)
    for page_path in pages:
        page = parse(page_path, cache)
        shown = page_path.relative_to(root).as_posix()
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue
            if parts.path.startswith("/"):
                broken.append(f"{shown}: {href}: an absolute path leaves the book")
                continue
            target = (page_path.parent / unquote(parts.path)).resolve() if parts.path else page_path
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                broken.append(f"{shown}: {href}: points outside the book")
                continue
            if not target.is_file():
                broken.append(f"{shown}: {href}: no such page")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html" and anchor not in parse(target, cache).ids:
                broken.append(f"{shown}: {href}: no `#{anchor}` in {target.relative_to(root).as_posix()}")
    for b in broken:
        print(b)
    print(f"checked the links of {len(pages)} pages: {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
