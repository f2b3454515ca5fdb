"""What staff run: the `wsis` command, `wsis up` and its supervisor, the embedded server, status, dead letters, ACLs, health."""
