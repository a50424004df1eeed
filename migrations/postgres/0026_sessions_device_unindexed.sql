-- A session's device is no longer a foreign key, nor indexed. Its index
-- took a random page in every login's write (the activated session's entry
-- lands beside its device's id); the key needed that index, since removing
-- a device looked for its sessions by it. Removing a device now ends its
-- sessions itself, found through the account's index
-- (`otp_devices::service`), in the same transaction.
ALTER TABLE sessions DROP CONSTRAINT sessions_device_id_fkey;
DROP INDEX sessions_device;
