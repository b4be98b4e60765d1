"""Review intelligence: sentiment backends, aspects, scoring the warehouse, the review insights tool."""
