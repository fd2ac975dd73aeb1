"""No admin pages: appointments are written through the services only (every change is an
event), and the room secret is never shown outside the session's participants."""
