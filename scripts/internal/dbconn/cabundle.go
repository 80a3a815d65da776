package dbconn

// RDSCABundle says which file a --ca-bundle flag wants for an RDS
// endpoint, for its usage and its error when it is missing.
const RDSCABundle = "the PEM file of the RDS certificate authorities (download https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)"
