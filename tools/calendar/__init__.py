"""The calendar below both answer modes: date arithmetic and labels (``dates``), single time expressions
(``points``) and the grammar that finds every period in a question (``parse``)."""
