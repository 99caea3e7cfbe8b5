"""Rebuild the bundled dataset from the official files (same as `smallboats data build-bundled`)."""

import json
import sys
from pathlib import Path

from smallboats.data.bundle import build_bundled

data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
out = Path(__file__).resolve().parents[1] / "src" / "smallboats" / "data" / "bundled"
summary = build_bundled(data_dir, out)
print(json.dumps({k: summary[k] for k in ("n_releases", "n_observations", "newest_date")}))
