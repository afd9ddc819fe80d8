"""pytest plugin (entry point `detections`): collects every rule test case under fixtures/ as a test item."""
