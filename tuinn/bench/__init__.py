"""`tuinn bench`: the kernel against numpy (`kernel`), the app in a real
pseudo-terminal (`app`) and the sweep's scaling (`sweep`)."""
