"""Process hygiene for trials: TensorFlow log silencing, thread counts, seeding."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import warnings
from collections.abc import Iterator
from typing import Any

_TF_ENV_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "GRPC_VERBOSITY": "ERROR", "ABSL_MIN_LOG_LEVEL": "3"}


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def worker_id() -> str:
    """`host:pid` of this process (the `worker` user attribute)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def resident_mb(pid: int | str = "self") -> float | None:
    """Resident memory (VmRSS) of process `pid` (default: this one) in MB; None where /proc
    does not have it (not Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def prepare_tensorflow_env(threads: int | None = None, verbose: bool = False) -> None:
    """Set TensorFlow's environment BEFORE it is imported: quiet logs and thread counts.

    Thread counts set here bind only if TensorFlow is not imported yet; `configure_tensorflow`
    applies them again through the API (which works until the first op runs).
    """
    if not verbose:
        for key, value in _TF_ENV_QUIET.items():
            os.environ.setdefault(key, value)
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        for key in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            os.environ[key] = str(threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = str(min(2, threads))


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (Python's sys.stderr included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def configure_tensorflow(threads: int | None = None, verbose: bool = False) -> None:
    """Import TensorFlow quietly and apply thread counts (a no-op once TF has run ops)."""
    prepare_tensorflow_env(threads, verbose)
    if verbose or "tensorflow" in sys.modules:
        import tensorflow as tf
    else:
        with _stderr_silenced():  # C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL in TF 2.21
            import tensorflow as tf

    if not verbose:
        tf.get_logger().setLevel(logging.ERROR)
        logging.getLogger("absl").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module="keras")
        warnings.filterwarnings("ignore", module="tensorflow")
    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(min(2, threads))
        except RuntimeError:  # TF already initialised in this process: env vars decided
            pass


def enable_memory_growth() -> int:
    """Let TensorFlow grow GPU memory on demand instead of taking it all at start-up, so
    several workers can share one GPU. Returns the number of visible GPUs (0 on CPU)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU is initialised already: the setting is fixed
            pass
    return len(gpus)


class StopFlag:
    """Set by Ctrl-C (SIGINT) or SIGTERM instead of raising at a random point.

    A KeyboardInterrupt raised while TensorFlow runs C++ code comes back as a RuntimeError
    (pybind11), which would look like a failed trial; so the handlers only set this flag,
    and training checks it between batches (`StopOnSignal`) and raises there.
    """

    def __init__(self) -> None:
        import threading

        self._event = threading.Event()
        self._previous: dict[int, Any] = {}

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self, *_: Any) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early when the flag is set; returns whether it is set."""
        return self._event.wait(timeout)

    def install(self) -> StopFlag:
        """Route SIGINT and SIGTERM here (main thread only; elsewhere a no-op)."""
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self.set)
        return self

    def restore(self) -> None:
        """Put back the handlers `install` replaced."""
        import signal

        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and Keras/TensorFlow (Keras only if it is already imported)."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed % 2**32)


def quiet_optuna(verbose: bool) -> None:
    """Optuna logs only errors unless `--verbose` (failures are reported by marsseg itself)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.INFO if verbose else optuna.logging.ERROR)
    if not verbose:
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
