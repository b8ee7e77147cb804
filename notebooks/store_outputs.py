"""Executes notebooks on their small settings and stores them with their outputs, so that they
read without running (run from anywhere):

    python notebooks/store_outputs.py                          # every notebook here
    python notebooks/store_outputs.py 04_regularization.ipynb  # some of them

Small settings (`DEEPER_NOTEBOOK_SMALL=1`) keep the stored figures and the file sizes modest;
the tests re-execute the notebooks and check what is stored (outputs, a figure, the size).
"""

import base64
import io
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from PIL import Image

HERE = Path(__file__).resolve().parent
# Inline figures at 72 dpi (IPython's print_figure_kwargs win over a figure's own dpi).
KERNEL_ARGS = ["--InlineBackend.print_figure_kwargs={'bbox_inches': 'tight', 'dpi': 72}",
               # TensorFlow's C++ start-up lines on fd 2 stay out of the cells.
               "--IPKernelApp.capture_fd_output=False"]


def shrink(nb):
    """Re-encode every PNG output with a 256-colour palette where that makes it smaller."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            raw = base64.b64decode(data["image/png"])
            image = Image.open(io.BytesIO(raw)).convert("RGB")
            buffer = io.BytesIO()
            image.quantize(256).save(buffer, format="PNG", optimize=True)
            if buffer.tell() < len(raw):
                data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return nb


def store(path):
    nb = nbformat.read(path, as_version=4)
    os.environ["DEEPER_NOTEBOOK_SMALL"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # not a shell's Agg
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=False,
                   extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(shrink(nb), path)
    print(f"{path.name}: {time.perf_counter() - start:.0f} s, {path.stat().st_size / 1e3:.0f} kB")


def main(names):
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    for path in paths:
        store(path)


if __name__ == "__main__":
    main(sys.argv[1:])
