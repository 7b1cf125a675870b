"""Running the service: the operator's console (`flask --app web ops …`), metrics, request logs."""
