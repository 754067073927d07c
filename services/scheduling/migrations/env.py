from services.kit.migrations import run_env
from services.scheduling.config import SCHEMA

run_env(schema=SCHEMA)
