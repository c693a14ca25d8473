// Package pgdb gives a benchmark a PostgreSQL database of its own, made on
// the server of a URL for one run and dropped after it, so that runs never
// see each other's rows.
package pgdb

import (
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// DB is a database made for one run.
type DB struct {
	Name  string
	URL   string  // the server's URL with this database's name
	Admin *sql.DB // a connection to the server's own database, for statistics
}

// Create makes a database named after prefix, the process and the time on
// the server of serverURL, whose user may create databases.
func Create(serverURL, prefix string) (*DB, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return &DB{Name: name, URL: u.String(), Admin: admin}, nil
}

// Drop removes the database, closing its sessions, and logs a failure.
func (d *DB) Drop() {
	if _, err := d.Admin.Exec(`DROP DATABASE IF EXISTS ` + d.Name + ` WITH (FORCE)`); err != nil {
		log.Printf("drop database %s: %v", d.Name, err)
	}
	d.Admin.Close()
}
