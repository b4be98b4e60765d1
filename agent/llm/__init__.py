"""LLM mode: LangChain create_agent on an OpenAI-compatible (vLLM) endpoint."""
