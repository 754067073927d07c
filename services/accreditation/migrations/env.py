from services.accreditation.config import SCHEMA
from services.kit.migrations import run_env

run_env(schema=SCHEMA)
