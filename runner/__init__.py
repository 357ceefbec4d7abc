"""Hook pattern miner runner."""
