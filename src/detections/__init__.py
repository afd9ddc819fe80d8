"""detections: detection-as-code for Microsoft Sentinel protecting AWS workloads."""

__version__ = "0.1.0"
