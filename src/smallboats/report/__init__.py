"""The self-contained HTML report: charts embedded as SVG, each also written as PNG, SVG and CSV."""
