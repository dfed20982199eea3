"""The audit log: an append-only record of sensitive actions, written by the services that do them."""
