package dev.authwire.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.UserNotAuthenticatedException
import dev.authwire.SealingKey
import dev.authwire.StoreException
import java.io.File
import java.io.IOException
import java.io.RandomAccessFile
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * A [SealingKey] for Android apps: a random 32-byte key, stored in [directory] wrapped
 * (AES-256-GCM) by a key that the Android Keystore holds under [alias] and never lets out.
 * Every process of the app (a `:remote` service, a widget's process) opens the same wrapped
 * key with the same Keystore key, so they share one user session through a `FileStore` in a
 * directory they all reach.
 *
 * **UNTESTED.** This file is written against the Android API (level 23 or later:
 * `KeyGenParameterSpec`) but has never run, nor been compiled against the Android SDK: the
 * project's build machines have no Android SDK, and it is not part of the JVM jar. It was
 * only type-checked once with kotlinc against hand-written stubs of the five Android classes
 * it uses (`Context`, `KeyGenParameterSpec`, `KeyProperties` and two Keystore exceptions).
 * Compile it into your app or Android library module, and test it on a device (first start,
 * a second process, a restart, a locked device, a backup restored to another device) before
 * you rely on it.
 *
 * ```kotlin
 * val dir = context.noBackupFilesDir
 * val session = TokenManager.userSession(tokenUrl, "my-app", tokens,
 *     sealingKey = AndroidKeystoreSealingKey(context),
 *     options = TokenOptions(store = FileStore(dir.toPath().resolve("session")), transport = OkHttpTransport(client)))
 * ```
 *
 * How it works: on the first call, under a file lock that the app's processes share
 * (`<directory>/<alias>.lock`), it reads `<directory>/<alias>.wrapped` (a 12-byte GCM nonce,
 * then the encrypted key and its tag) and decrypts it with the Keystore key; when there is no
 * such file, it creates the Keystore key (if missing) and a new random key, and writes the
 * file. The unwrapped key is then kept in memory for the life of the object.
 *
 * Failures: a Keystore that cannot be used right now (the user is not authenticated, a
 * transient Keystore error, an I/O error) is [StoreException.Unavailable]: the session stays
 * and authwire tries again. A wrapped key that the Keystore key cannot open (the app's data
 * was restored to another device or the Keystore key was deleted) is
 * [StoreException.InvalidConfiguration]: the session cannot be opened, and the user must sign
 * in again (delete the `.wrapped` file to start over). Keep [directory] out of backups
 * (`Context.getNoBackupFilesDir`, the default): a restored wrapped key without its Keystore
 * key is useless.
 *
 * @param directory where the wrapped key and its lock file live: a directory every process
 *   of the app can write (it is created if missing).
 * @param alias the Keystore alias of the wrapping key, and the name of the files.
 */
class AndroidKeystoreSealingKey @JvmOverloads constructor(
    /** Where the wrapped key and its lock file live. */
    val directory: File,
    /** The Keystore alias of the wrapping key. */
    val alias: String = DEFAULT_ALIAS,
) : SealingKey {
    /** The key in the app's no-backup files directory (`Context.getNoBackupFilesDir`), under [alias]. */
    @JvmOverloads
    constructor(context: Context, alias: String = DEFAULT_ALIAS) : this(context.noBackupFilesDir, alias)

    @Volatile
    private var cached: ByteArray? = null

    /**
     * The 32-byte key (see the class documentation).
     *
     * @throws StoreException.Unavailable when the Keystore or the file cannot be used now.
     * @throws StoreException.InvalidConfiguration when the wrapped key cannot be opened ever.
     */
    @Throws(StoreException::class)
    override fun key(): ByteArray {
        cached?.let { return it.copyOf() }
        synchronized(this) {
            cached?.let { return it.copyOf() }
            val key = try {
                loadOrCreate()
            } catch (e: KeyPermanentlyInvalidatedException) {
                throw StoreException.InvalidConfiguration("the Android Keystore key '$alias' was invalidated; sign in again")
            } catch (e: AEADBadTagException) {
                throw StoreException.InvalidConfiguration("the wrapped sealing key cannot be opened with the Android Keystore key '$alias' (restored to another device, or the key was deleted); sign in again")
            } catch (e: UserNotAuthenticatedException) {
                throw StoreException.Unavailable("the Android Keystore key '$alias' needs the user to authenticate")
            } catch (e: GeneralSecurityException) {
                throw StoreException.Unavailable("the Android Keystore failed: ${e.javaClass.simpleName}")
            } catch (e: IOException) {
                throw StoreException.Unavailable("cannot read or write the wrapped sealing key: ${e.javaClass.simpleName}")
            }
            cached = key
            return key.copyOf()
        }
    }

    private fun loadOrCreate(): ByteArray {
        if (!directory.isDirectory && !directory.mkdirs() && !directory.isDirectory) {
            throw IOException("cannot create the directory $directory")
        }
        val wrapped = File(directory, "$alias.wrapped")
        // A file lock: the app's other processes wait here while one creates the key.
        RandomAccessFile(File(directory, "$alias.lock"), "rw").use { lockFile ->
            val lock = lockFile.channel.lock()
            try {
                val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
                if (wrapped.exists()) {
                    val blob = wrapped.readBytes()
                    if (blob.size <= NONCE_BYTES) throw AEADBadTagException("the wrapped key file is truncated")
                    val wrappingKey = keyStore.getKey(alias, null) as? SecretKey
                        ?: throw AEADBadTagException("no Keystore key for the wrapped key")
                    val cipher = Cipher.getInstance(TRANSFORMATION)
                    cipher.init(Cipher.DECRYPT_MODE, wrappingKey, GCMParameterSpec(TAG_BITS, blob, 0, NONCE_BYTES))
                    return cipher.doFinal(blob, NONCE_BYTES, blob.size - NONCE_BYTES)
                }
                val wrappingKey = (keyStore.getKey(alias, null) as? SecretKey) ?: createWrappingKey()
                val key = ByteArray(KEY_BYTES).also { SecureRandom().nextBytes(it) }
                // The Keystore chooses the nonce (it refuses one given by the caller by default).
                val cipher = Cipher.getInstance(TRANSFORMATION)
                cipher.init(Cipher.ENCRYPT_MODE, wrappingKey)
                val sealed = cipher.doFinal(key)
                val nonce = cipher.iv
                check(nonce.size == NONCE_BYTES) { "unexpected GCM nonce size ${nonce.size}" }
                val tmp = File(directory, "$alias.wrapped.tmp")
                tmp.outputStream().use { out ->
                    out.write(nonce)
                    out.write(sealed)
                    out.fd.sync()
                }
                if (!tmp.renameTo(wrapped)) throw IOException("cannot rename $tmp to $wrapped")
                return key
            } finally {
                lock.release()
            }
        }
    }

    private fun createWrappingKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    /** The directory and alias; never the key. */
    override fun toString(): String = "AndroidKeystoreSealingKey(directory=$directory, alias=$alias)"

    /** The default alias. */
    companion object {
        /** The Keystore alias (and file name) used when none is given. */
        const val DEFAULT_ALIAS = "authwire-session-sealing-key"
        private const val ANDROID_KEYSTORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val KEY_BYTES = 32
        private const val NONCE_BYTES = 12
        private const val TAG_BITS = 128
    }
}
