print("rotator: not built yet")
