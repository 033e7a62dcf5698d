"""Python helpers shared by the end-to-end tests and scripts/demo.sh."""

from .emulator import Emulator, EmulatorError

__all__ = ["Emulator", "EmulatorError"]
