"""Work that runs outside a request: background jobs now; schedules and executors later."""
