"""The course's sanity checks before a long run: `recipe` (`babysit`),
`checks` (the six checks) and `report` (`Report`, `Check`)."""
