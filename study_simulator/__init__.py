"""The simulated EDC export of the anlotinib + toripalimab soft-tissue sarcoma study."""

from .api import SimulationResult, simulate
from .settings import SimulationSettings

__all__ = ["SimulationResult", "SimulationSettings", "simulate"]
