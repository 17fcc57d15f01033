"""The page a citation card's "View page" link opens: a PDF page's image with the quote's boxes
drawn over it and links to the previous and next page, or a stored text with the quote marked and
scrolled to (the link ends in #quote). Self-contained HTML, no script; every text from a document
is escaped."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from assistant.page_view import PageView

CSS = """
body { margin: 0; font: 15px/1.5 ui-sans-serif, system-ui, sans-serif; background: #f1f5f9;
  color: #1e293b; }
header { position: sticky; top: 0; z-index: 2; display: flex; gap: 14px; align-items: baseline;
  flex-wrap: wrap; padding: 10px 18px; background: white; border-bottom: 1px solid #cbd5e1; }
header h1 { font-size: 16px; margin: 0; }
header .where { color: #475569; }
header .status { font-size: 13px; color: #475569; }
header .status.missing { color: #b45309; font-weight: 600; }
nav a, nav span { display: inline-block; padding: 3px 10px; border: 1px solid #6366f1;
  border-radius: 8px; color: #4338ca; text-decoration: none; font-size: 14px; margin-right: 6px; }
nav span { border-color: #cbd5e1; color: #94a3b8; }
main { padding: 18px; }
.page { position: relative; margin: 0 auto; max-width: 100%; box-shadow: 0 1px 6px #0003;
  background: white; }
.page img { display: block; width: 100%; height: auto; }
.page .hl { position: absolute; background: rgba(250, 204, 21, .35);
  outline: 2px solid #ea580c; outline-offset: 1px; border-radius: 2px; pointer-events: none; }
.text { max-width: 900px; margin: 0 auto; padding: 24px 32px; background: white;
  white-space: pre-wrap; box-shadow: 0 1px 6px #0003; }
.text mark { background: #fef08a; outline: 2px solid #ea580c; scroll-margin-top: 120px; }
"""

# Only this page's own inline styles and same-origin images: a document's text cannot run.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _document(title: str, header: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
            f"<body><header>{header}</header><main>{body}</main></body></html>")


def view_link(chunk_id: str, quote: str, page: int | None = None) -> str:
    """The page view's address (relative to the app's root) for a cited chunk and its quote."""
    query = {"chunk": chunk_id, "q": quote, **({"page": str(page)} if page is not None else {})}
    return "page-view?" + urlencode(query) + ("" if page is not None else "#quote")


def pdf_page_html(view: PageView, title: str, chunk_id: str, cited_page: int) -> str:
    """`view`'s image with its boxes, positioned in percent of the image so they follow it when
    the page is shown narrower; previous and next page links carry the quote along."""
    boxes = "".join(
        f'<div class="hl" data-px="{x0:.2f},{y0:.2f},{x1:.2f},{y1:.2f}" style="left:'
        f"{100 * x0 / view.width:.4f}%;top:{100 * y0 / view.height:.4f}%;"
        f"width:{100 * (x1 - x0) / view.width:.4f}%;height:{100 * (y1 - y0) / view.height:.4f}%"
        f'"></div>' for x0, y0, x1, y1 in (b.pixel_rect for b in view.boxes))
    image = "page-view/image?" + urlencode({"chunk": chunk_id, "page": view.page})
    status = _status(view, cited_page)
    header = (f"<h1>{html.escape(title)}</h1>"
              f'<span class="where">page {view.page} of {view.page_count}</span>'
              f"<nav>{_step(view, chunk_id, cited_page, -1, '← Previous page')}"
              f"{_step(view, chunk_id, cited_page, +1, 'Next page →')}</nav>"
              + (f'<span class="status{"" if view.found else " missing"}">'
                 f"{html.escape(status)}</span>" if status else ""))
    body = (f'<div class="page" style="width:{view.width}px" data-page="{view.page}">'
            f'<img id="page-image" src="{html.escape(image)}" width="{view.width}" '
            f'height="{view.height}" alt="Page {view.page} of {html.escape(title)}">{boxes}</div>')
    return _document(f"{title}, p. {view.page}", header, body)


def _status(view: PageView, cited_page: int) -> str:
    if view.found or view.page == cited_page:
        return view.message
    return f"The quoted passage is cited on page {cited_page}." if view.quote.strip() else ""


def _step(view: PageView, chunk_id: str, cited_page: int, step: int, label: str) -> str:
    target = view.page + step
    if not 1 <= target <= view.page_count:
        return f"<span>{html.escape(label)}</span>"
    href = view_link(chunk_id, view.quote, target)
    kind = "prev" if step < 0 else "next"
    return f'<a class="{kind}" href="{html.escape(href)}">{html.escape(label)}</a>'


def text_html(title: str, text: str, span: tuple[int, int] | None) -> str:
    """The stored text with the quote in <mark id="quote">, or whole with a note when the quote
    is not in it."""
    if span is None:
        status = '<span class="status missing">The quoted passage could not be located.</span>'
        body = html.escape(text)
    else:
        start, end = span
        status = '<span class="status">The quoted passage is marked.</span>'
        body = (html.escape(text[:start]) + '<mark id="quote">' + html.escape(text[start:end])
                + "</mark>" + html.escape(text[end:]))
    return _document(title, f"<h1>{html.escape(title)}</h1>{status}",
                     f'<div class="text">{body}</div>')


def error_html(message: str) -> str:
    return _document("Dossier", "<h1>Dossier</h1>",
                     f'<p class="status missing">{html.escape(message)}</p>')
