"""The chart tool and its parts: spec, data preparation, rendering, house style."""
