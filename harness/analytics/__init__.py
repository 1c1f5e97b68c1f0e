"""Statistics of marsseg's answers, in NumPy and SciPy (no TensorFlow, no Optuna import).

- Intervals on scores: percentile bootstrap over photographs of per-image confusion matrices
  (`score_interval`), paired differences on the same photographs (`paired_difference`,
  `compare_scores` for two stored held-out scores), and what a stored score keeps for them
  (`interval_record`, `encode_matrices`, `images_digest`).
- Fidelity of early epochs: `rank_agreement` (Spearman, Kendall by epoch, bootstrap over trials).
- Ablation power: `ablation_power` (paired sd, Holm-adjusted intervals, smallest detectable
  effect, seeds needed), over the seed pairs of an ablation study (`ablation_pairs`).
"""

from harness.analytics._agreement import Agreement, format_agreement, kendall_rows, rank_agreement, spearman_rows
from harness.analytics._bootstrap import (
    LEVEL,
    N_BOOT,
    PairedDifference,
    ScoreInterval,
    bootstrap_diff_ci,
    bootstrap_means,
    group_confusions,
    image_confusions,
    paired_difference,
    percentile_ci,
    resampled_totals,
    score_interval,
)
from harness.analytics._pairs import BASELINE, SeedPairs, ablation_pairs
from harness.analytics._power import (
    ALPHA,
    POWER,
    PowerRow,
    ablation_power,
    holm,
    min_detectable_effect,
    seeds_needed,
    t_interval,
)
from harness.analytics._store import (
    IMAGES_DIGEST,
    INTERVAL,
    UNIT_CONFUSION,
    compare_scores,
    decode_matrices,
    encode_matrices,
    format_interval,
    images_digest,
    interval_record,
    stored_units,
)

__all__ = [
    "ALPHA",
    "BASELINE",
    "IMAGES_DIGEST",
    "INTERVAL",
    "LEVEL",
    "N_BOOT",
    "POWER",
    "UNIT_CONFUSION",
    "Agreement",
    "PairedDifference",
    "PowerRow",
    "ScoreInterval",
    "SeedPairs",
    "ablation_pairs",
    "ablation_power",
    "bootstrap_diff_ci",
    "bootstrap_means",
    "compare_scores",
    "decode_matrices",
    "encode_matrices",
    "format_agreement",
    "format_interval",
    "group_confusions",
    "holm",
    "image_confusions",
    "images_digest",
    "interval_record",
    "kendall_rows",
    "min_detectable_effect",
    "paired_difference",
    "percentile_ci",
    "rank_agreement",
    "resampled_totals",
    "score_interval",
    "seeds_needed",
    "spearman_rows",
    "stored_units",
    "t_interval",
]
