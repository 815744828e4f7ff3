"""The data plane: what moves rows (bulk syncs, later model syncs), built on the connector protocols."""
