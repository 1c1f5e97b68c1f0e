"""What `marsseg data inspect` reports: a pure summary of MarsData, and its text rendering."""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.data._data_io import N_CLASSES, MarsData
from harness.data._outliers import OutlierRule, anomalous_groups, find_mask_groups
from harness.data._pipeline import class_pixel_share
from marsseg_models import CLASS_NAMES


def inspect_data(data: MarsData, rule: OutlierRule = OutlierRule()) -> dict[str, Any]:
    """JSON-ready summary: sizes, dtypes, class shares, identical-mask groups and flagged outliers."""
    per_image = np.stack([(data.masks == c).reshape(data.n_train, -1).any(axis=1) for c in range(N_CLASSES)])
    groups = find_mask_groups(data.masks)
    flagged = anomalous_groups(groups, data.n_train, rule)
    return {
        "source": data.source,
        "n_train": data.n_train,
        "n_test": data.n_test,
        "image_shape": list(data.image_shape),
        "dtypes": dict(data.source_dtypes) or {"images": "uint8", "masks": "uint8", "test_images": "uint8"},
        "class_names": list(CLASS_NAMES),
        "class_share": list(class_pixel_share(data.masks)),
        "images_with_class": [int(n) for n in per_image.sum(axis=1)],
        "mask_groups": [{"size": g.size, "labelled": g.labelled, "indices": list(g.indices)} for g in groups],
        "outlier_groups": flagged,
        "outliers": sorted(i for g in flagged for i in groups[g].indices),
    }


def format_inspect(report: dict[str, Any], max_groups: int = 10) -> str:
    """Human-readable text of an inspect_data report."""
    lines = [
        f"file         {report['source']}",
        f"training     {report['n_train']} images of {report['image_shape'][0]}x{report['image_shape'][1]}",
        f"test         {report['n_test']} images",
        "dtypes       " + ", ".join(f"{k}={v}" for k, v in report["dtypes"].items()),
        "class         pixel share   images containing it",
    ]
    for name, share, n in zip(report["class_names"], report["class_share"], report["images_with_class"]):
        lines.append(f"  {name:<11} {100 * share:10.2f}%   {n:>6}")
    groups = report["mask_groups"]
    lines.append(f"groups of identical masks: {len(groups)} (index: size, labelled, first indices)")
    for i, g in enumerate(groups[:max_groups]):
        flag = "  <- outlier" if i in report["outlier_groups"] else ""
        first = ", ".join(str(k) for k in g["indices"][:6]) + (", ..." if g["size"] > 6 else "")
        lines.append(f"  {i:>3}: {g['size']:>5}  {'yes' if g['labelled'] else 'no ':<3}  [{first}]{flag}")
    if len(groups) > max_groups:
        lines.append(f"  ... {len(groups) - max_groups} more (see --json)")
    outliers = report["outliers"]
    lines.append(f"outliers     {len(outliers)} images flagged"
                 + (f" (groups {report['outlier_groups']})" if outliers else ""))
    return "\n".join(lines)
