/* version.h: tenuo-sidecar's version string. */
#ifndef VERSION_H
#define VERSION_H

#define SIDECAR_VERSION	"0.1.0"

#endif /* VERSION_H */
