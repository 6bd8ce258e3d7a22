"""Run pip-audit on the pinned requirements when its vulnerability database can be reached.

Machines without access to the advisory service (offline intranets, mirrors that serve packages
but not advisories) report "skipped" and exit 0; a reachable database with a known vulnerability
in a pinned package exits 1.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(ROOT / "requirements.txt"),
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print("pip-audit: skipped, no report (the advisory database is probably unreachable):")
        print((result.stderr or result.stdout).strip()[-500:])
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(f"pip-audit: skipped, none of {len(dependencies)} dependencies could be looked up (no advisory access).")
        return 0
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {ids}")
    print(
        f"pip-audit: {len(audited)} audited, {len(vulnerable)} vulnerable, {len(dependencies) - len(audited)} skipped."
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
