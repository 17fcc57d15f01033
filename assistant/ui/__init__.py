"""The research chat (Gradio). Imported on demand: `import assistant` never loads Gradio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.ui.app import ChatApp

__all__ = ["ChatApp", "chat_app"]


def chat_app(assistant: Assistant) -> ChatApp:
    from assistant.ui.app import ChatApp

    return ChatApp(assistant)


def __getattr__(name: str) -> Any:
    if name == "ChatApp":
        from assistant.ui.app import ChatApp

        return ChatApp
    raise AttributeError(name)
