"""The chat's look and its one piece of browser code: the theme, the CSS, and the script that
moves the sources panel to the [n] clicked. (The security header for served originals is in
assistant/ui/sandbox.py.)"""

from __future__ import annotations

import gradio as gr


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=(gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif", "system-ui",
              "sans-serif"),
        font_mono=(gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"),
    ).set(body_background_fill="*neutral_50", block_radius="12px")


# A click on [n] in an answer scrolls the sources panel to card n (opening an earlier answer's
# folded cards) and marks it; a card several citations share holds an anchor per number.
# Capture phase, so the chat's own link handling never sees it. Controls that Gradio handles in
# the browser alone (the chat's clear icon) or that delete for good ask first, in the same
# phase: declined, the click never reaches them (a key press on a button is a click too).
HEAD = """
<script>
(() => {
  if (window.__dossierCites) return;
  window.__dossierCites = true;
  const confirmFirst = [
    ["#chat button[aria-label='Clear']",
     "Clear this chat? It stays under Conversations."],
    ["#delete-conversation",
     "Delete this conversation? Its questions and answers are removed for good."],
  ];
  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target : event.target.parentElement;
    for (const [selector, question] of confirmFirst) {
      if (target && target.closest(selector) && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
    }
    const link = target && target.closest("a.cite, a[href^='#src-']");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = (link.getAttribute("href") || "").replace(/^#/, "");
    const anchor = document.getElementById(id);
    const card = anchor && anchor.closest(".src-card");
    if (!card) return;
    const folded = card.closest("details");
    if (folded) folded.open = true;
    document.querySelectorAll(".src-card.active").forEach((c) => c.classList.remove("active"));
    card.classList.add("active");
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }, true);
})();
</script>
"""

# Run in the browser before the handler: a declined confirmation hands it None, and it then
# changes nothing (ChatApp.delete, app._new_chat). An empty chat is cleared without asking.
CONFIRM_DELETE = """(doc) => doc && window.confirm(
  "Delete this document from the library? Its passages leave the store; this cannot be undone.")
  ? doc : null"""
CONFIRM_NEW_CHAT = """(question) => !document.querySelector("#chat .msg") || window.confirm(
  "Start a new chat? This one stays under Conversations.") ? question : null"""

CSS = """
.gradio-container { width: 100% !important; max-width: 1480px !important; margin: 0 auto !important; }
#topbar { padding: 4px 4px 0 4px; }
#status p { margin: 0; font-size: 15px; color: var(--body-text-color-subdued); }
#status strong:first-child { font-size: 20px; color: var(--body-text-color); letter-spacing: -0.01em;
  margin-right: 6px; }
#chat .message { font-size: 15px; line-height: 1.55; }
#chat a.cite { display: inline-block; text-decoration: none; font-size: 12px; font-weight: 600;
  line-height: 1; padding: 2px 5px; margin: 0 1px; border-radius: 6px; vertical-align: 1px;
  background: var(--color-accent-soft); color: var(--color-accent) !important;
  border: 1px solid var(--color-accent); cursor: pointer; }
#chat a.cite:hover { background: var(--color-accent); color: white !important; }
#chat .msg.no-answer { border-left: 4px solid #d97706; background: #fffbeb; color: #78350f;
  padding: 10px 14px; border-radius: 8px; }
#chat .msg.chat-error { border-left: 4px solid #dc2626; background: #fef2f2; color: #7f1d1d;
  padding: 10px 14px; border-radius: 8px; }
#chat .followup-note { font-size: 12px; color: var(--body-text-color-subdued); font-style: italic;
  margin-bottom: 4px; }
#chat .answer-part { margin-bottom: 10px; }
#chat .answer-part.missing .part-missing { color: #78350f; border-left: 4px solid #d97706;
  padding-left: 8px; display: block; }
#chat .verifier-mark { color: #b45309; font-size: 12px; font-weight: 600; }
#chat .work-box { margin-top: 8px; padding: 8px 12px; border: 1px solid #cbd5e1; border-radius: 8px;
  font-size: 13px; }
#chat .work-box .work-title { font-size: 12px; font-weight: 600; color: var(--body-text-color-subdued); }
#chat .work-box ul { margin: 4px 0 0 16px; padding: 0; }
#chat .msg.searching { color: var(--body-text-color-subdued); font-style: italic; }
#chat .placeholder-content { padding: 0 28px; }
#chat .placeholder h3 { font-size: 20px; margin-bottom: 6px; }
#chat .placeholder p { color: var(--body-text-color-subdued); }
#chat button.example { border: 1px solid var(--border-color-primary); border-radius: 12px;
  background: var(--background-fill-secondary); padding: 12px 14px; text-align: left;
  transition: border-color .15s, background .15s; }
#chat button.example:hover { border-color: var(--color-accent); background: var(--color-accent-soft); }
#ask-row { align-items: stretch; }
#filter-chips { gap: 6px; flex-wrap: wrap; align-items: center; }
#filter-chips button.chip { border-radius: 999px; padding: 3px 12px; font-size: 13px;
  background: var(--color-accent-soft); color: var(--color-accent); border: 1px solid var(--color-accent);
  flex: none; width: auto; }
#filter-chips button.chip:hover { background: var(--color-accent); color: white; }
#filter-chips button.chip-clear { border-radius: 999px; padding: 3px 12px; font-size: 13px; flex: none;
  width: auto; }
#filter-note .filter-problems { border-left: 4px solid #d97706; background: #fffbeb; color: #78350f;
  padding: 6px 12px; border-radius: 8px; font-size: 14px; }
#filter-note .filter-problems ul { margin: 0; padding-left: 16px; }
#chat .msg.filter-error { border-left-color: #d97706; background: #fffbeb; color: #78350f; }
#chat .no-answer .filter-scope { font-weight: 600; }
#sources, #sources * { text-align: left; }
#sources { max-height: 720px; overflow-y: auto; padding-right: 4px; }
.sources-empty { padding: 18px; border: 1px dashed var(--border-color-primary); border-radius: 12px;
  color: var(--body-text-color-subdued); font-size: 14px; line-height: 1.5; }
.sources-empty .cite-sample { font-weight: 600; color: var(--color-accent); }
.src-question { font-weight: 600; font-size: 14px; margin: 2px 0 10px 2px;
  color: var(--body-text-color-subdued); }
.src-question::before { content: "Sources for: "; font-weight: 400; }
.src-card { background: var(--block-background-fill); border: 1px solid var(--border-color-primary);
  border-radius: 12px; padding: 12px 14px; margin-bottom: 10px;
  transition: box-shadow .2s, border-color .2s; }
.src-card.active { border-color: var(--color-accent); box-shadow: 0 0 0 3px var(--color-accent-soft); }
.src-card.uncited { opacity: .85; }
.src-head { display: flex; align-items: baseline; gap: 8px; }
.src-card.shared .src-head .src-n + .src-n { margin-left: -4px; }
.src-also { font-size: 12px; color: var(--body-text-color-subdued); margin: 6px 0 0 30px; }
.src-also .src-title { font-size: 12px; }
.src-also a.view-page { margin: 0 0 0 6px !important; }
.src-n { flex: none; min-width: 22px; height: 22px; border-radius: 11px; text-align: center;
  font-size: 12px; font-weight: 700; line-height: 22px; background: var(--color-accent); color: white;
  text-align: center !important; }
.src-title { font-weight: 600; font-size: 14px; color: var(--body-text-color) !important;
  text-decoration: none; }
.src-title:hover { text-decoration: underline; }
.src-title .open { color: var(--color-accent); font-weight: 400; }
.src-meta { font-size: 12px; color: var(--body-text-color-subdued); margin: 4px 0 6px 30px; }
.src-passage { font-size: 13px; line-height: 1.5; margin-left: 30px; white-space: pre-line;
  color: var(--body-text-color-subdued); max-height: 220px; overflow-y: auto; }
.src-card.uncited .src-passage, .src-card.uncited .src-meta { margin-left: 0; }
.src-passage mark.quote { background: #fef08a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.src-card a.view-page { display: inline-block; margin: 6px 0 0 30px; font-size: 12px;
  font-weight: 600; color: var(--color-accent) !important; text-decoration: none; }
.src-card a.view-page:hover { text-decoration: underline; }
.src-none { font-size: 13px; color: var(--body-text-color-subdued); }
details.src-turn { margin: 14px 0 6px 0; }
details.src-turn summary { cursor: pointer; font-size: 13px; color: var(--body-text-color-subdued);
  margin-bottom: 8px; }
details.src-turn summary::before { content: "Earlier: "; }
#library, #library * { font-family: var(--font) !important; }
#library [role=gridcell], #library [role=columnheader] { font-size: 13px; }
.report ul { list-style: none; padding-left: 0; margin: 4px 0; }
.report li { font-size: 14px; margin: 2px 0; }
.report li .tag { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase;
  letter-spacing: .03em; padding: 1px 6px; border-radius: 5px; margin-right: 6px; }
.report li .tag.ok { background: #dcfce7; color: #166534; }
.report li .tag.fail { background: #fee2e2; color: #991b1b; }
.report li .tag.info { background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
#delete-row { align-items: end; }
#delete { align-self: end; margin-bottom: 10px; color: #b91c1c; border-color: #fecaca; }
#delete:hover { background: #fef2f2; }
#ingest-status ul, #delete-status p { font-size: 14px; }
"""
