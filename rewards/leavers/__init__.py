"""A leaver's points: HR's policy, reminders before the last working day, settlement after it."""
