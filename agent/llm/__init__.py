"""LLM mode: LangChain create_agent on an OpenAI-compatible (vLLM) endpoint."""

from shoplens.agent.llm.agent import LlmAgent

__all__ = ["LlmAgent"]
