"""The web process hands freed image buffers back to the system instead of keeping them resident."""
import subprocess
import sys
import textwrap

from tests.support import ROOT

PROBE = textwrap.dedent("""
    import numpy as np
    from tests.support.servers import anon_mb
    from webapp.serving import green

    assert green.return_big_buffers_to_the_system()

    np.ones(20 << 20, np.uint8)  # a big image, freed: glibc would now keep anything up to 20 MB on its heap
    before = anon_mb()
    image = np.ones(15 << 20, np.uint8)  # the next image...
    others = [np.ones(64 << 10, np.uint8) for _ in range(4)]  # ...with small objects allocated after it
    del image
    print(anon_mb() - before)
""")


def test_a_freed_image_does_not_stay_resident_after_a_bigger_one():
    """Without the fixed mmap threshold the 15 MB stay resident (the fuzz run's RSS rose in 20 MB steps).

    Measured as resident anonymous memory (``anon_mb``), where the freed image lives: the whole RSS also counts
    library pages that a machine short of memory evicts and faults in again, megabytes at a time. The bound is a
    third of the image: the small objects allocated after it are 0.25 MB, a kept image is all 15."""
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 5.0, f"{float(run.stdout):.1f} MB of a freed 15 MB image stayed resident"
