"""Getting data into the mirror: the run journal's read side (`status`) lives here."""
