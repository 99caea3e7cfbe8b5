"""Regenerate the documents made from code: docs/parameters.md."""

from pathlib import Path

from smallboats.model.docs import parameters_markdown

root = Path(__file__).resolve().parents[1]
(root / "docs").mkdir(exist_ok=True)
(root / "docs" / "parameters.md").write_text(parameters_markdown() + "\n")
print("wrote docs/parameters.md")
