"""The price elasticity tool (added as one module plus its line in tools/registry.py): it recovers the demo shop's
known price response from the data, and says plainly when prices never moved enough."""

from __future__ import annotations

from typing import Any

import pytest

from shoplens.data.errors import UserInputError
from shoplens.tools.price_elasticity import ElasticityRequest, PriceElasticityTool


def test_small_appliances_respond_to_their_2024_price_cut(tool_ctx: Any) -> None:
    # The demo cut Small Appliances list prices by 15% on 2024-04-01 with elasticity 1.4 (docs/data-model.md).
    out = PriceElasticityTool(tool_ctx).call(ElasticityRequest(category="Home & Kitchen", start="2023-10-01",
                                                               end="2024-09-30", top_n=15))
    pooled = out.tables[0].rows[-1]
    _, e, low, high, weeks, moved = pooled
    assert pooled[0].startswith("All these products") and high < 0, pooled  # demand falls as the price rises
    assert low < -1.4 < high, pooled  # the interval holds the generator's elasticity
    assert weeks >= 300 and moved >= 0.1
    assert all(r[5] >= 0.1 for r in out.tables[0].rows)  # only products whose price really moved


def test_a_product_whose_price_never_moved_gets_a_clear_message(tool_ctx: Any) -> None:
    with pytest.raises(UserInputError, match="Not enough price movement"):
        PriceElasticityTool(tool_ctx).call(ElasticityRequest(category="Books", start="2025-03-01", end="2025-05-31"))


def test_the_model_is_offered_the_new_tool(settings: Any, tool_ctx: Any) -> None:
    from shoplens.agent.llm.tools import build_tools
    from shoplens.agent.toolbox import Toolbox

    tool = next(t for t in build_tools(Toolbox(tool_ctx, settings)) if t.name == "price_elasticity")
    content, artifact = tool.func(category="Home & Kitchen", period="2024", top_n=3)
    assert "Price elasticity" in content and len(artifact.tables[0].rows) == 3 + 1  # the top 3 and the pooled row
