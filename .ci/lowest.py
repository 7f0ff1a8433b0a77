"""Print a pip constraints file pinning every dependency of pyproject.toml at its lower bound."""

import re
import tomllib
from pathlib import Path

project = tomllib.loads(Path(__file__).parent.with_name("pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    name, bound = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement).groups()
    print(f"{name}=={bound}")
