"""Our side of GitHub: every write that follows what GitHub says or asks GitHub for something.

- ``poll``: references kept true by polling (the outbox mark, the drain, rate limits and backoff).
- ``events``: webhook deliveries, recorded once by their delivery id and applied.
- ``apply``: applying what GitHub says (from a delivery or a poll) to references, action items and incidents.
- ``issues``: follow-up issues filed on GitHub from an action item.

GitHub's side (its references, webhook payloads and REST API, no database) is incidents.github."""
