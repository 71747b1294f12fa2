"""Reading, validating and writing planning instances; NetworkX topologies."""
from .errors import InstanceError
from .load import build_instance, instance_from_frames, load_instance
from .model import Instance

__all__ = ["Instance", "InstanceError", "build_instance", "instance_from_frames", "load_instance"]
