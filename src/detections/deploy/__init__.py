"""Deploy: plan and apply content to a Sentinel workspace through the official SDK clients."""
