"""Reports: Dutch formatting, report content, and rendering of parameterised notebooks to HTML."""
