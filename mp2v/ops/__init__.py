"""Operations tooling, apart from the runtime: the Maven jar resolver, the local server, the Docker image."""
