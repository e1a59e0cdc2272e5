"""Reports: report content (factsheets, subregio, regio and programme reports), the site, and rendering of
parameterised notebooks to HTML. Dutch number formatting is in trendbreuk.formatting."""
