SHOW VECTOR INDEXES YIELD name, labelsOrTypes, properties, options
RETURN name, labelsOrTypes[0] AS label, properties[0] AS property,
       options.indexConfig[$dimensions_key] AS dimensions
