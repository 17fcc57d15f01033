"""The research chat (Gradio). Imported on demand: `import assistant` never loads Gradio.

The UI depends on the API (`assistant.api.Assistant`), never the reverse: `Assistant.chat()` is a
thin entry that imports `open_chat` from here when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.ui.app import ChatApp

__all__ = ["ChatApp", "chat_app", "open_chat"]


def chat_app(assistant: Assistant) -> ChatApp:
    from assistant.ui.app import ChatApp

    return ChatApp(assistant)


def open_chat(assistant: Assistant, **launch_kwargs: Any) -> ChatApp:
    """The chat on `assistant`'s store, launched: inline in a notebook, else a local server.
    Keyword arguments go to Gradio's `launch`."""
    app = chat_app(assistant)
    if in_notebook():
        launch_kwargs.setdefault("inline", True)
        launch_kwargs.setdefault("height", 720)
        launch_kwargs.setdefault("prevent_thread_lock", True)
    app.launch(**launch_kwargs)
    return app


def in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"


def __getattr__(name: str) -> Any:
    if name == "ChatApp":
        from assistant.ui.app import ChatApp

        return ChatApp
    raise AttributeError(name)
