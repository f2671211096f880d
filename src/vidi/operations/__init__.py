"""Running a Vidi home: health checks (doctor), backup and restore."""
