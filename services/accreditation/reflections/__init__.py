"""The SKJ reflection statement: requested by a participant, countersigned by a supervisor."""
