package ssh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
)

// Upload copies a local file to the node over SFTP, writing a temporary file
// beside the target and renaming it, so a reader never sees half a file. A
// transfer is safe to repeat, so transport failures are retried whole.
func (c *conn) Upload(ctx context.Context, localPath, remotePath string) error {
	info, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("upload to %s:%s: %w", c.node, remotePath, err)
	}
	return c.transfer(ctx, "upload", localPath, remotePath, func(sc *sftp.Client) error {
		src, err := os.Open(localPath)
		if err != nil {
			return commandFailed{err}
		}
		defer src.Close()
		tmp := path.Join(path.Dir(remotePath), ".faultline-upload-"+path.Base(remotePath))
		dst, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			return remoteErr(err)
		}
		if _, err := dst.ReadFrom(src); err != nil {
			dst.Close()
			return remoteErr(err)
		}
		if err := dst.Chmod(info.Mode().Perm()); err != nil {
			dst.Close()
			return remoteErr(err)
		}
		if err := dst.Close(); err != nil {
			return remoteErr(err)
		}
		return remoteErr(sc.PosixRename(tmp, remotePath))
	})
}

// Download copies a file from the node to a local file (via a temporary file
// and a rename).
func (c *conn) Download(ctx context.Context, remotePath, localPath string) error {
	return c.transfer(ctx, "download", remotePath, localPath, func(sc *sftp.Client) error {
		src, err := sc.Open(remotePath)
		if err != nil {
			return remoteErr(err)
		}
		defer src.Close()
		tmp, err := os.CreateTemp(filepath.Dir(localPath), ".faultline-download-*")
		if err != nil {
			return commandFailed{err}
		}
		defer os.Remove(tmp.Name())
		if _, err := src.WriteTo(tmp); err != nil {
			tmp.Close()
			return remoteErr(err)
		}
		if err := tmp.Close(); err != nil {
			return commandFailed{err}
		}
		return commandFailed{os.Rename(tmp.Name(), localPath)}
	})
}

// remoteErr marks errors the SFTP server reported about files (no such file,
// permission denied) as final; anything else is a transport failure.
func remoteErr(err error) error {
	if err == nil {
		return nil
	}
	var se *sftp.StatusError
	if errors.As(err, &se) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return commandFailed{err}
	}
	return err
}

func (c *conn) transfer(ctx context.Context, what, from, to string, f func(*sftp.Client) error) error {
	if err := c.acquire(ctx); err != nil {
		return err
	}
	defer c.release()
	err := c.retry(ctx, []string{what, from}, func(cl *gossh.Client) (bool, error) {
		sc, err := sftp.NewClient(cl, sftp.UseConcurrentWrites(true))
		if err != nil {
			return false, err
		}
		defer sc.Close()
		done := make(chan error, 1)
		go func() { done <- f(sc) }()
		select {
		case err = <-done:
		case <-ctx.Done():
			sc.Close()
			<-done
			return false, commandFailed{ctx.Err()}
		}
		// A transfer can be repeated safely, so even a broken one counts
		// as not started and is retried.
		return false, err
	})
	var cf commandFailed
	if errors.As(err, &cf) {
		err = cf.error
	}
	if err != nil {
		return fmt.Errorf("on %s: %s %s to %s: %w", c.node, what, from, to, err)
	}
	return nil
}
